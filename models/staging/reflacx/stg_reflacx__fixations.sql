{{ stage_source('reflacx', 'fixations') }}
