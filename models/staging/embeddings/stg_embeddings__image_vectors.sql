{{ stage_embeddings('image_vectors') }}
