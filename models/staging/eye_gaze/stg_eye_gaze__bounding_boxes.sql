{{ stage_source('eye_gaze', 'bounding_boxes') }}
