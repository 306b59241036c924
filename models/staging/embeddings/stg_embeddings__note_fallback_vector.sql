{{ stage_embeddings('note_fallback_vector') }}
