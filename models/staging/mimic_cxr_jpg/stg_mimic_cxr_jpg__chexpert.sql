{{ stage_source('mimic_cxr_jpg', 'chexpert') }}
