{#- The ICU stay of every CXR image (null when none or several contain it). -#}
{{ interval_choice(
    images=ref('int_cxr_images_timed'),
    candidates=ref('int_cxr_icu_candidates_paired'),
    interval_id='stay_id',
    start_column='intime'
) }}
