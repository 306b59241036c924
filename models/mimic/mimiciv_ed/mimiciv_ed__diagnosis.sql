{{ mimic_view('mimiciv_ed', 'diagnosis') }}
