{{ stage_source('reflacx', 'metadata') }}
