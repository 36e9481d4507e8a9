import { exportData } from '../../lib/accounts/export';
import { exportMyData } from '../../lib/accounts/routes';
import { api } from '../../lib/http/api';

export const handler = api(exportMyData, ({ user }) => exportData(user.id));
