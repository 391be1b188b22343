"""What a network is: volumes, window arithmetic, layer types, the tree of layers and blocks."""
