{{ stage_source('reflacx', 'chest_bounding_box') }}
