{#- The chosen ED stay of every CXR image, with how it was matched. -#}
{{ interval_choice(
    images=ref('int_cxr_images_timed'),
    candidates=ref('int_cxr_ed_candidates_paired'),
    interval_id='stay_id',
    start_column='intime'
) }}
