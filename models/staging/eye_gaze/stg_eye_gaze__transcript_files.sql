{{ stage_source('eye_gaze', 'transcript_files') }}
