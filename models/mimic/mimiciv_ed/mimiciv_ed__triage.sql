{{ mimic_view('mimiciv_ed', 'triage') }}
