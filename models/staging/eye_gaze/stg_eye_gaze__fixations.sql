{{ stage_source('eye_gaze', 'fixations') }}
