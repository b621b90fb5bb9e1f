"""latentcomposer: a desktop composition assistant built on MusicVAE-style latent models."""

__version__ = "0.1.0"
