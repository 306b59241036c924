{{ stage_embeddings('note_vectors') }}
