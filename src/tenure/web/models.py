# The web room keeps no tables of its own: change detection's watermark moved to tenure.changes.
