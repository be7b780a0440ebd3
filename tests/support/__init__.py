"""What tests in several folders share: a loopback server and the sandbox-and-product harness."""
