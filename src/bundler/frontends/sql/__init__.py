"""What every front end shares to read SQL: the values the recognition reads (``values``), SQL
text as tokens (``text``, by sqlparse) and which statements record a version number
(``records``). A front end turns its language's values into these and asks ``records``."""
