"""NiceGUI pages and components: they build elements, wire events and call into core/ and storage/."""
