{{ stage_source('reflacx', 'gaze') }}
