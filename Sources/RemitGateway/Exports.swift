// The configuration is the gateway's: whoever starts a gateway reads one.
@_exported import RemitConfiguration
