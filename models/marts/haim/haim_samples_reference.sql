{#- The reference notebook's cohort: ICU stays of subjects with a row in the CheXpert label file. -#}
{{ haim_samples(ref('stg_mimic_cxr_jpg__chexpert')) }}
