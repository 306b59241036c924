{#- Every hospital admission of the image's subject with admittime <= image time <= dischtime. -#}
{{ interval_candidates(
    images=ref('int_cxr_images_timed'),
    intervals=ref('stg_mimiciv_hosp__admissions'),
    interval_id='hadm_id',
    start_column='admittime',
    end_column='dischtime',
    strict=false
) }}
