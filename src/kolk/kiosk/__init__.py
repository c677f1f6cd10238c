"""Self-service kiosks: the SIP2 server (`kolk sip2`) and the kiosk accounts' commands (`kolk kiosk`)."""
