{#- HAIM samples: every ICU stay of a subject with at least one CXR image; haim_id is stable (sorted ids). -#}
{{ haim_samples(ref('stg_mimic_cxr_jpg__metadata')) }}
