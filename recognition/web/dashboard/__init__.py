"""Executive pages: sign-in, the poll dashboard, the printable summary and read-only share links."""
