{{ stage_source('mimic_cxr_jpg', 'split') }}
