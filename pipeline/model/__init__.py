"""The character-level token classifier: dataset builder, MLM pretraining, fine-tuning, inference."""
