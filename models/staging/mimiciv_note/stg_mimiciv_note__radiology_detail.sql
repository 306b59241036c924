{{ stage_source('mimiciv_note', 'radiology_detail') }}
