{{ stage_source('eye_gaze', 'eye_gaze') }}
