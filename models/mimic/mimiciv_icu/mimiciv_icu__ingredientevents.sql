{{ mimic_view('mimiciv_icu', 'ingredientevents') }}
