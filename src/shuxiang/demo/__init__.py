"""The demo school (`shuxiang demo`): a realistic, deterministic middle-school library
built from a seed, for trying Shuxiang out and for screenshots."""
