{{ mimic_view('mimiciv_icu', 'outputevents') }}
