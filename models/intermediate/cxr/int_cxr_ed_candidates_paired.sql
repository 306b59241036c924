{#- Every ED stay of the image's subject that qualifies under the stay_window_hours var (strict within test). -#}
{{ interval_candidates(
    images=ref('int_cxr_images_timed'),
    intervals=ref('stg_mimiciv_ed__edstays'),
    interval_id='stay_id',
    start_column='intime',
    end_column='outtime',
    strict=true,
    window_hours=var('stay_window_hours')
) }}
