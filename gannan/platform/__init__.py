"""App shell, accounts, counties and sellers."""
