{{ mimic_view('mimiciv_icu', 'icustays') }}
