{#- The hospital admission of every CXR image (null when none or several contain it). -#}
{{ interval_choice(
    images=ref('int_cxr_images_timed'),
    candidates=ref('int_cxr_admission_candidates_paired'),
    interval_id='hadm_id',
    start_column='admittime'
) }}
