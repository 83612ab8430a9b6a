"""Photos of cases: sniffed by magic bytes, checksummed, stored as local files (S3 in production)."""
