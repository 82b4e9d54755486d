import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

/** The DataSource of the TypeORM CLI (`npm run migration:run`); the app builds the same options at boot. */
export default new DataSource(dataSourceOptions(loadConfig().database));
