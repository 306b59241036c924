{{ mimic_view('mimiciv_ed', 'medrecon') }}
