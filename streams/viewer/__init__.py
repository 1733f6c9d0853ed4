"""`newsflow view`: a small read-only web page over the sink's PostgreSQL tables."""
