{{ stage_source('mimiciv_icu', 'ingredientevents') }}
