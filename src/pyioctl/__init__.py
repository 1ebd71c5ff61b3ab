"""pyioctl: IoTeX accounts, Go-ioctl-compatible wallet, and ES256/secp256k1 JWT access tokens."""

__version__ = "0.1.0"
