{#- Case-level REFLACX labels merged to the 21 targets, long form (one row per case and target). -#}
{{ reflacx_labels_merged(ref('stg_reflacx__metadata'), ['id'], 'case') }}
