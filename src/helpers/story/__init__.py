"""The series' story: the sentences that read its results, made in one place from the results records and the
statistics, as Markdown. ``phrases`` holds the shared wording of a difference, an interval and a verdict; each
other module reads one part of the series (``series``: what the series finds, notebook 06 and the README)."""
