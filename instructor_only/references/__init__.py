"""Framework-agnostic numpy references. Hidden checks of both the PyTorch and the TensorFlow track compare the
student's objects with these, on the same inputs."""
