{#- Every ICU stay of the image's subject with intime <= image time <= outtime. -#}
{{ interval_candidates(
    images=ref('int_cxr_images_timed'),
    intervals=ref('stg_mimiciv_icu__icustays'),
    interval_id='stay_id',
    start_column='intime',
    end_column='outtime',
    strict=false
) }}
