{{ mimic_view('mimiciv_icu', 'inputevents') }}
