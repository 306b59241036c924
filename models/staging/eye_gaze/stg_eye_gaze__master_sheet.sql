{{ stage_source('eye_gaze', 'master_sheet') }}
