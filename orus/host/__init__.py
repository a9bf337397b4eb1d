"""The host: the Machine that owns the VM's arrays and serves its stops (host
calls, output, growth), output formatting, profiling and warm-cache.
"""
