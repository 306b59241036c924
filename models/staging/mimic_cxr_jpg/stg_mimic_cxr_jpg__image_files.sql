{{ stage_source('mimic_cxr_jpg', 'image_files') }}
