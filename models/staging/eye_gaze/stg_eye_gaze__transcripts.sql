{{ stage_source('eye_gaze', 'transcripts') }}
