{{ mimic_view('mimiciv_icu', 'chartevents') }}
